// Research cloud workstations on AWS: ResearchWorkstation, MultiRegionAmi and LabFleet components, and the AmiResolution, SavedTemplate, RegionalAmiCopy, SavedTemplateMappings and TemplateImage resources.
package cloudworkstation
